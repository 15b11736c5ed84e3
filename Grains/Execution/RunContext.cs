using Microsoft.Extensions.Logging;

namespace OrleansTasks.Execution;

/// <summary>The engine's <see cref="TaskContext"/>: one per attempt.</summary>
internal sealed class RunContext(AttemptRequest request, ILogger logger) : TaskContext
{
    public override string RunId => request.RunId;

    public override string TaskId => request.TaskId;

    public override int Attempt => request.Attempt;

    public override IReadOnlyList<string> Tags => request.Tags;

    public override string Queue => request.Queue;

    public override MachinePreset Machine => request.Machine;

    public override DateTimeOffset CreatedAt => request.CreatedAt;

    public override ILogger Logger => logger;
}
