using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Listing;

public sealed class InMemoryRunStoreListingTests : RunStoreListingContract
{
    internal override IRunStore Store { get; } = new InMemoryRunStore();
}
