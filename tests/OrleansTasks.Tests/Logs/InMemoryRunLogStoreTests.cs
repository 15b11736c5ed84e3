using OrleansTasks.Logs;

namespace OrleansTasks.Tests.Logs;

public sealed class InMemoryRunLogStoreTests : RunLogStoreContract
{
    internal override IRunLogStore Store { get; } = new InMemoryRunLogStore();
}
