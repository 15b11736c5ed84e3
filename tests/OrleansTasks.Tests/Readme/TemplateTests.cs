using System.Text.Json;
using System.Xml.Linq;

namespace OrleansTasks.Tests.Readme;

/// <summary>
/// The template's pinned versions follow the repository's, which say them once: the OrleansTasks packages it references
/// by default are the ones this build packs, and it uses the same Orleans and Extensions. (templates/verify.sh, run by
/// test.sh, builds a solution made from the template against the packed packages.)
/// </summary>
public sealed class TemplateTests
{
    [Fact]
    public void Template_DefaultsToThisBuildsPackageVersion()
    {
        var template = JsonDocument.Parse(File.ReadAllText(ReadmeSnippets.RepositoryFile("templates/content/orleanstasks/.template.config/template.json")));

        var defaultVersion = template.RootElement.GetProperty("symbols").GetProperty("OrleansTasksVersion").GetProperty("defaultValue").GetString();

        Assert.Equal(RepositoryProperty("Directory.Build.props", "VersionPrefix"), defaultVersion);
    }

    [Theory]
    [InlineData("Microsoft.Orleans.TestingHost", "OrleansVersion")]
    [InlineData("Microsoft.Extensions.Hosting", "ExtensionsVersion")]
    public void Template_PinsTheRepositorysVersions(string package, string property)
    {
        var pinned = XDocument.Load(ReadmeSnippets.RepositoryFile("templates/content/orleanstasks/Directory.Packages.props"))
            .Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == package).Attribute("Version")!.Value;

        Assert.Equal(RepositoryProperty("Directory.Packages.props", property), pinned);
    }

    private static string RepositoryProperty(string file, string property) =>
        XDocument.Load(ReadmeSnippets.RepositoryFile(file)).Descendants(property).Single().Value;
}
