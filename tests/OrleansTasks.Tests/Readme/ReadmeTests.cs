using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Readme;

/// <summary>Every C# block in README compiles against the product as it is, so README cannot drift from the API.</summary>
public sealed class ReadmeTests
{
    /// <summary>
    /// The implicit usings of a worker or web project (<c>Microsoft.NET.Sdk.Worker</c>), and Orleans' hosting namespace
    /// for the builder types the blocks take. README's own usings come from its blocks.
    /// </summary>
    private const string Usings = """
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        global using Orleans.Hosting;
        """;

    /// <summary>What README's blocks take from the reader's own code: their services, payloads and helpers.</summary>
    private const string Stubs = """
        using OrleansTasks;

        public sealed class Program;

        public interface IMailer
        {
            Task<string> SendAsync(string address, CancellationToken cancellationToken);
        }

        public interface IAccounts
        {
            Task<string> CreateAsync(NewUser user, string idempotencyKey, CancellationToken cancellationToken);
        }

        public interface IImporter
        {
            Task<int> ImportAsync(ImportRequest request, CancellationToken cancellationToken);
        }

        public sealed record User(string Email);
        public sealed record NewUser(string Id, string Email, string Manager);
        public sealed record Approval(string ApprovedBy);
        public sealed record Mailbox(string AccountId);
        public sealed record Storage(string AccountId);
        public sealed record ImportRequest(string Id, string TenantId);
        public sealed record ImportPayload(string File);
        public sealed record Document(string Id);

        public sealed class ProvisionMailbox : TaskDefinition<Mailbox, string>
        {
            public override string Id => "provision-mailbox";

            public override Task<string> RunAsync(Mailbox payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(payload.AccountId);
        }

        public sealed class ReindexTask : TaskDefinition<Document, int>
        {
            public override string Id => "reindex";

            public override Task<int> RunAsync(Document payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(0);
        }

        public sealed class Db
        {
            public object Open() => new();

            public Task MarkFailedAsync(string file, RunStatus status) => Task.CompletedTask;
        }

        public static class Parser
        {
            public static Task<int> CountAsync(string file, CancellationToken cancellationToken) => Task.FromResult(0);
        }

        public sealed class FileImporter
        {
            public Task ImportAsync(string file, CancellationToken cancellationToken) => Task.CompletedTask;
        }

        public sealed class RateLimitedException(TimeSpan retryAfter) : Exception
        {
            public TimeSpan RetryAfter { get; } = retryAfter;
        }
        """;

    [Theory]
    [InlineData("README.md", 8)]
    [InlineData("docs/packages/README.md", 1)]
    public void ReadmeCSharpBlocks_AllCompile(string readme, int atLeast)
    {
        var blocks = ReadmeSnippets.Extract(File.ReadAllText(ReadmeSnippets.RepositoryFile(readme)));

        var errors = SnippetCompiler.Errors(Usings, Stubs, ReadmeSnippets.ToSource(blocks, readme));

        Assert.True(blocks.Count >= atLeast, $"found only {blocks.Count} C# blocks in {readme}");
        Assert.True(errors.Count == 0, $"{readme}'s C# does not compile:\n" + string.Join("\n", errors.Select(e => e.ToString())));
    }

    [Fact]
    public void Extract_ReadsTheParametersABlockTakes_AndToSourceKeepsTypesAndWrapsStatements()
    {
        const string markdown = """
            Text.
            <!-- compile: ITaskClient tasks -->
            ```csharp
            using OrleansTasks;

            public sealed record Thing(int Value);

            await tasks.Runs.RetrieveAsync("run_1");
            ```
            """;

        var block = Assert.Single(ReadmeSnippets.Extract(markdown));
        var source = ReadmeSnippets.ToSource([block]);

        Assert.Equal("ITaskClient tasks", block.Parameters);
        Assert.Equal(4, block.Line);
        Assert.StartsWith("using OrleansTasks;", source, StringComparison.Ordinal);
        Assert.Contains("public static async Task RunAsync(ITaskClient tasks)", source, StringComparison.Ordinal);
        Assert.Empty(SnippetCompiler.Errors(Usings, source));
        Assert.NotEmpty(SnippetCompiler.Errors(Usings, source.Replace("RetrieveAsync", "NoSuchMethodAsync", StringComparison.Ordinal)));
    }
}
