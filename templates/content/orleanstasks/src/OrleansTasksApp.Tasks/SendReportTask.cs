using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasksApp.Tasks;

/// <summary>
/// A sample task: builds a report in a durable step, waits, then delivers it. A failed attempt is retried by
/// <see cref="RetryPolicy"/>; a replay after the wait (or after a silo died) gets the step's recorded result back
/// instead of building the report again.
/// </summary>
public sealed class SendReportTask : TaskDefinition<ReportRequest, ReportResult>
{
    public override string Id => "send-report";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 3, MinDelay = TimeSpan.FromSeconds(1) };

    public override async Task<ReportResult> RunAsync(ReportRequest payload, TaskContext context, CancellationToken cancellationToken)
    {
        var lines = await context.StepAsync("build-report", _ => Task.FromResult(payload.Items.Count));

        // Durable: a long wait suspends the run (no memory, no concurrency slot) and it resumes after, wherever.
        await Wait.ForAsync(payload.DeliverAfter);

        context.Logger.LogInformation("Delivering the report for {Customer}: {Lines} line(s)", payload.Customer, lines);
        return new ReportResult(payload.Customer, lines);
    }
}

public sealed record ReportRequest(string Customer, IReadOnlyList<string> Items, TimeSpan DeliverAfter = default);

public sealed record ReportResult(string Customer, int Lines);
