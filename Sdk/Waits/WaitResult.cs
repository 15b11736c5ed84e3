using System.Text.Json;

namespace OrleansTasks;

/// <summary>What <see cref="Wait.ForTokenAsync{T}(string, CancellationToken)"/> returns: the data the token was completed with, or its timeout.</summary>
/// <typeparam name="T">The type of the completion data.</typeparam>
public sealed class WaitResult<T>
{
    internal WaitResult(string tokenId, bool ok, string? outputJson, TaskRunError? error)
    {
        TokenId = tokenId;
        IsSuccess = ok;
        OutputJson = outputJson;
        Error = error;
        Output = ok && outputJson is not null ? JsonSerializer.Deserialize<T>(outputJson, TaskJson.Options) : default;
    }

    /// <summary>The token waited for.</summary>
    public string TokenId { get; }

    /// <summary>True when the token was completed; false when it timed out.</summary>
    public bool IsSuccess { get; }

    /// <summary>The completion data, when <see cref="IsSuccess"/>.</summary>
    public T? Output { get; }

    /// <summary>The completion data as JSON.</summary>
    public string? OutputJson { get; }

    /// <summary>The timeout error, when not <see cref="IsSuccess"/>.</summary>
    public TaskRunError? Error { get; }

    /// <summary>The completion data, or <see cref="WaitpointTimeoutException"/>.</summary>
    /// <exception cref="WaitpointTimeoutException">The token timed out.</exception>
    public T Unwrap() => IsSuccess ? Output! : throw new WaitpointTimeoutException(TokenId);
}
