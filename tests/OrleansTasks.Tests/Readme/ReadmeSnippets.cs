using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace OrleansTasks.Tests.Readme;

/// <summary>
/// Turns README's C# blocks into one compilable file. The blocks' usings go to the top, and a block's type declarations
/// stay as they are; the rest of a block (its statements, and what a script would read as fields and functions) becomes
/// the body of a method of its own, whose parameters are the names the block takes from its surroundings, given by a
/// comment on the line before the block: <c>&lt;!-- compile: ITaskClient tasks, RunHandle&lt;EmailSent&gt; handle --&gt;</c>.
/// </summary>
internal static partial class ReadmeSnippets
{
    public sealed record Block(int Line, string Code, string Parameters);

    /// <summary>A file of the repository by its path from the root, found from the test's output folder.</summary>
    public static string RepositoryFile(string path)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansTasks.sln")))
            {
                return Path.Combine(directory.FullName, path);
            }
        }

        throw new InvalidOperationException($"No OrleansTasks.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Every <c>```csharp</c> block, with the line it starts on and the parameters its comment declares.</summary>
    public static IReadOnlyList<Block> Extract(string markdown)
    {
        var lines = markdown.Split('\n');
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].TrimEnd() != "```csharp")
            {
                continue;
            }

            var parameters = i > 0 && CompileComment().Match(lines[i - 1]) is { Success: true } match ? match.Groups[1].Value.Trim() : string.Empty;
            var code = new StringBuilder();
            var start = i + 1;
            for (i++; i < lines.Length && lines[i].TrimEnd() != "```"; i++)
            {
                code.Append(lines[i].TrimEnd('\r')).Append('\n');
            }

            blocks.Add(new Block(start + 1, code.ToString(), parameters));
        }

        return blocks;
    }

    /// <summary>The blocks as one file: each block's types at the top level, and its statements in a method of its own.</summary>
    public static string ToSource(IReadOnlyList<Block> blocks, string file = "README.md")
    {
        var roots = blocks.Select(block => (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(block.Code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetRoot()).ToList();

        // The usings README shows apply to every block after them, as in a reader's file.
        var source = new StringBuilder();
        foreach (var @using in roots.SelectMany(root => root.Usings).Select(u => u.ToString()).Distinct(StringComparer.Ordinal))
        {
            source.Append(@using).Append('\n');
        }

        for (var index = 0; index < blocks.Count; index++)
        {
            var block = blocks[index];
            var root = roots[index];
            var statements = new StringBuilder();
            var types = new StringBuilder();
            foreach (var member in root.Members)
            {
                // Errors point at README's own lines.
                var line = block.Line + member.GetLocation().GetLineSpan().StartLinePosition.Line;
                (member is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax ? types : statements).Append($"#line {line} \"{file}\"\n").Append(member.ToString()).Append('\n');
            }

            source.Append(types);
            source.Append($"#line default\npublic static class ReadmeBlock{index}\n{{\n    public static async Task RunAsync({block.Parameters})\n    {{\n");
            source.Append(statements);
            source.Append("#line default\n        await Task.CompletedTask;\n    }\n}\n");
        }

        return source.ToString();
    }

    [GeneratedRegex(@"^<!--\s*compile:(.*)-->\s*$")]
    private static partial Regex CompileComment();
}
