using Microsoft.Extensions.Logging;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>
/// Waits for a person: creates a waitpoint token, logs its id, and waits (durably, up to a day) until someone completes
/// it, through the dashboard, the client or the HTTP API, with <c>{"approved": true}</c> or <c>false</c>.
/// </summary>
public sealed class ApprovalTask : TaskDefinition<ApprovalRequest, ApprovalOutcome>
{
    public override string Id => "approval";

    public override string? Description => "Waits for someone to complete its token with {\"approved\": true|false}.";

    public override async Task<ApprovalOutcome> RunAsync(ApprovalRequest payload, TaskContext context, CancellationToken cancellationToken)
    {
        var token = await Wait.CreateTokenAsync(new WaitTokenOptions { Timeout = TimeSpan.FromDays(1), Tags = ["approval"] }, cancellationToken);
        context.Logger.LogInformation("Waiting for approval of {Subject} on token {TokenId}", payload.Subject, token.Id);
        var answer = await Wait.ForTokenAsync<ApprovalDecision>(token, cancellationToken);
        var approved = answer is { IsSuccess: true, Output.Approved: true };
        context.Logger.LogInformation("{Subject} was {Decision}", payload.Subject, approved ? "approved" : "not approved");
        return new ApprovalOutcome(payload.Subject, approved);
    }

    // Lifecycle hooks: each call shows in the run's timeline on the dashboard.
    public override Task OnWaitAsync(ApprovalRequest payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("{Subject} now waits on token {TokenId}", payload.Subject, wait.TokenId);
        return Task.CompletedTask;
    }

    public override Task OnResumeAsync(ApprovalRequest payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("{Subject} goes on after token {TokenId}", payload.Subject, wait.TokenId);
        return Task.CompletedTask;
    }
}

public sealed record ApprovalRequest(string Subject);

public sealed record ApprovalDecision(bool Approved);

public sealed record ApprovalOutcome(string Subject, bool Approved);
