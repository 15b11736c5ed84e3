namespace OrleansTasks.Web.Errors;

/// <summary>A request the API refuses, with the HTTP status and the error code it answers with.</summary>
internal sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Code { get; } = code;

    /// <summary>400: the request itself is wrong (bad JSON, a field out of range); the message names what.</summary>
    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, "invalid_request", message);
}
