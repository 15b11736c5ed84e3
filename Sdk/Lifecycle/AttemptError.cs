namespace OrleansTasks;

/// <summary>A failed attempt, as <c>CatchErrorAsync</c> sees it.</summary>
/// <param name="Exception">What the attempt threw.</param>
/// <param name="RetryAt">When the retry policy would start the next attempt; null when it would not retry.</param>
public sealed record AttemptError(Exception Exception, DateTimeOffset? RetryAt);

/// <summary>Why a run ended without success, as <c>OnFailureAsync</c> sees it.</summary>
/// <param name="Status">The run's final status: <c>FAILED</c>, <c>TIMED_OUT</c>, <c>CANCELED</c>, <c>CRASHED</c> or <c>SYSTEM_FAILURE</c>.</param>
/// <param name="Error">The error recorded on the run.</param>
/// <param name="Exception">The exception, when the code threw it in this process; null for a crash or a cancel that came while the code was not running.</param>
public sealed record TaskFailure(RunStatus Status, TaskRunError Error, Exception? Exception);
