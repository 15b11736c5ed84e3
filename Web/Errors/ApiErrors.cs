using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace OrleansTasks.Web.Errors;

/// <summary>
/// Turns what an endpoint throws into an RFC 9457 problem document. Besides the standard members it carries
/// <c>error</c> (the message: Trigger.dev's SDK shows <c>body.error</c> as the error's message) and <c>code</c>
/// (the stable code a program branches on). Anything unexpected is a 500 that says nothing of the server's insides.
/// </summary>
internal sealed partial class ApiErrors(ILogger<ApiErrors> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (Describe(exception) is { } problem)
        {
            return problem;
        }
        catch (Exception exception) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogUnexpected(exception, context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            return Problem(StatusCodes.Status500InternalServerError, "internal_error", "The server failed to handle the request; the error is in its log.");
        }
    }

    /// <summary>The problem document for a known failure; null for one that is not.</summary>
    public static ProblemHttpResult? Describe(Exception exception) => exception switch
    {
        ApiException api => Problem(api.Status, api.Code, api.Message),
        JsonException json => Problem(StatusCodes.Status400BadRequest, "invalid_json", $"The request body is not valid JSON: {json.Message}"),
        BadHttpRequestException bad => Problem(bad.StatusCode, "bad_request", bad.Message),
        RunNotFoundException notFound => Problem(StatusCodes.Status404NotFound, notFound.Code, notFound.Message),
        UnknownTaskException unknown => Problem(StatusCodes.Status404NotFound, unknown.Code, unknown.Message),
        QueueNotFoundException queue => Problem(StatusCodes.Status404NotFound, queue.Code, queue.Message),
        ScheduleNotFoundException schedule => Problem(StatusCodes.Status404NotFound, schedule.Code, schedule.Message),
        WaitpointNotFoundException token => Problem(StatusCodes.Status404NotFound, token.Code, token.Message),
        PayloadTooLargeException large => Problem(StatusCodes.Status413PayloadTooLarge, large.Code, large.Message),
        MetadataTooLargeException large => Problem(StatusCodes.Status413PayloadTooLarge, large.Code, large.Message),
        BatchTooLargeException large => Problem(StatusCodes.Status413PayloadTooLarge, large.Code, large.Message),
        InvalidRunOperationException invalid => Problem(StatusCodes.Status422UnprocessableEntity, invalid.Code, invalid.Message),
        ClusterUnavailableException unavailable => Problem(StatusCodes.Status503ServiceUnavailable, unavailable.Code, unavailable.Message),
        StorageException storage => Problem(StatusCodes.Status503ServiceUnavailable, storage.Code, storage.Message),
        OrleansTasksException other => Problem(StatusCodes.Status400BadRequest, other.Code, other.Message),
        _ => null,
    };

    public static ProblemHttpResult Problem(int status, string code, string message) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = status,
            Title = ReasonPhrases.GetReasonPhrase(status),
            Detail = message,
            Type = $"https://orleanstasks.dev/errors/{code}",
            Extensions = { ["code"] = code, ["error"] = message },
        });

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly.")]
    private partial void LogUnexpected(Exception exception, string method, string path);
}
