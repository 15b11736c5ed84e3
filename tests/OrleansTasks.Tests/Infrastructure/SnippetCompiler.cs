using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>
/// Compiles C# source against the product's assemblies, as a user's project referencing them would: what the compiler
/// accepts or refuses is part of the public surface (a typed trigger with the wrong payload type must not compile).
/// </summary>
internal static class SnippetCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    /// <summary>
    /// The errors the compiler reports for <paramref name="sources"/>, compiled together as a library with the implicit
    /// usings of an SDK project.
    /// </summary>
    public static IReadOnlyList<Diagnostic> Errors(params string[] sources)
    {
        const string implicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;";
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(
            "Snippet" + Guid.NewGuid().ToString("N"),
            [CSharpSyntaxTree.ParseText(implicitUsings, options), .. sources.Select(source => CSharpSyntaxTree.ParseText(source, options))],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The runtime's own assemblies, then the product's (loaded by the test run: Client, Sdk, Grains.Interfaces, Orleans).
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var product = new[] { typeof(ITaskClient), typeof(TaskDefinition<,>), typeof(RunHandle), typeof(TestTasks.EchoTask) }
            .Select(t => t.Assembly.Location);
        return [.. platform.Concat(product).Where(File.Exists).Distinct(StringComparer.Ordinal).Select(path => MetadataReference.CreateFromFile(path))];
    }
}
