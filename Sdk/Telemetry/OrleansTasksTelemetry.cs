using System.Diagnostics;

namespace OrleansTasks;

/// <summary>
/// OpenTelemetry names: the <see cref="ActivitySource"/> runs report to, and the tags on their spans. Add
/// <see cref="ActivitySourceName"/> to a tracer provider (<c>AddSource("OrleansTasks")</c>) to collect them.
/// </summary>
/// <remarks>
/// A run tree is one trace: the trigger's span (a child of the caller's current activity, if any) is the root, each
/// attempt's execution is a span under it, and a child run's trigger span is a child of its parent's attempt span.
/// Waits, steps, hooks and <see cref="TaskContext.TraceAsync{T}(string, Func{Activity?, Task{T}})"/> are spans
/// inside the attempt.
/// </remarks>
public static class OrleansTasksTelemetry
{
    /// <summary>The name of the activity source: <c>OrleansTasks</c>.</summary>
    public const string ActivitySourceName = "OrleansTasks";

    /// <summary>The tag carrying the run id.</summary>
    public const string RunIdTag = "orleanstasks.run_id";

    /// <summary>The tag carrying the task id.</summary>
    public const string TaskIdTag = "orleanstasks.task_id";

    /// <summary>The tag carrying the attempt number.</summary>
    public const string AttemptTag = "orleanstasks.attempt";

    internal static ActivitySource Source { get; } = new(ActivitySourceName);

    /// <summary>Marks the span failed and records the exception as an event, the OpenTelemetry way.</summary>
    internal static void RecordException(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }
}
