using System.Text.Json.Nodes;
using OrleansTasks.Metadata;

namespace OrleansTasks.Tests.Metadata;

/// <summary>The rules of a run's metadata document: Trigger.dev's operations, all-or-nothing, and the 256 KB limit.</summary>
public sealed class MetadataDocumentTests
{
    [Fact]
    public void Apply_SetDeleteIncrementAppendRemove_AsTriggerDevDoes()
    {
        var document = MetadataDocument.Parse("""{"keep":true,"gone":1}""");

        document.Apply(
        [
            new MetadataOp(MetadataOpKind.Set, "status", "\"uploading\""),
            new MetadataOp(MetadataOpKind.Delete, "gone", null),
            new MetadataOp(MetadataOpKind.Increment, "progress", null, 0.25),
            new MetadataOp(MetadataOpKind.Increment, "progress", null, 0.5),
            new MetadataOp(MetadataOpKind.Increment, "left", null, -2),
            new MetadataOp(MetadataOpKind.Append, "files", "\"a.txt\""),
            new MetadataOp(MetadataOpKind.Append, "files", "\"b.txt\""),
            new MetadataOp(MetadataOpKind.Append, "files", "\"a.txt\""),
            new MetadataOp(MetadataOpKind.Remove, "files", "\"a.txt\""),
            new MetadataOp(MetadataOpKind.Append, "single", "2"),
        ]);

        Assert.Equal("""{"keep":true,"status":"uploading","progress":0.75,"left":-2,"files":["b.txt"],"single":[2]}""", document.ToJson());
        Assert.Equal("uploading", document.Get<string>("status"));
        Assert.Equal(0.75, document.Get<double>("progress"));
        Assert.Null(document.Get<string>("missing"));
    }

    [Fact]
    public void Apply_AppendToASingleValue_MakesAnArrayOfBoth()
    {
        var document = MetadataDocument.Parse("""{"tag":"x"}""");

        document.Apply([new MetadataOp(MetadataOpKind.Append, "tag", "\"y\"")]);

        Assert.Equal("""{"tag":["x","y"]}""", document.ToJson());
    }

    [Fact]
    public void Apply_Replace_TakesTheNewObjectWhole_AndRefusesANonObject()
    {
        var document = MetadataDocument.Parse("""{"old":1}""");

        document.Apply([new MetadataOp(MetadataOpKind.Replace, null, """{"new":{"nested":[1,2]}}""")]);
        var error = Assert.Throws<InvalidRequestException>(() => document.Apply([new MetadataOp(MetadataOpKind.Replace, null, "[1,2]")]));

        Assert.Equal("""{"new":{"nested":[1,2]}}""", document.ToJson());
        Assert.Contains("must be a JSON object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_AnOperationThatCannotApply_ChangesNothingOfTheList()
    {
        var document = MetadataDocument.Parse("""{"name":"ada","count":1}""");

        var error = Assert.Throws<InvalidRequestException>(() => document.Apply(
        [
            new MetadataOp(MetadataOpKind.Increment, "count", null, 1),
            new MetadataOp(MetadataOpKind.Increment, "name", null, 1),
        ]));

        Assert.Contains("'name'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not a number", error.Message, StringComparison.Ordinal);
        Assert.Equal("""{"name":"ada","count":1}""", document.ToJson());
    }

    [Fact]
    public void Apply_OverTheLimit_SaysHowLargeItWouldBe_AndChangesNothing()
    {
        var document = MetadataDocument.Parse("""{"a":1}""");
        var big = "\"" + new string('x', MetadataDocument.MaxBytes) + "\"";

        var error = Assert.Throws<MetadataTooLargeException>(() => document.Apply([new MetadataOp(MetadataOpKind.Set, "blob", big)]));

        Assert.Equal(MetadataDocument.MaxBytes, error.Limit);
        Assert.True(error.Size > MetadataDocument.MaxBytes);
        Assert.Contains($"{error.Size:N0} bytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(OrleansTasksErrorCodes.MetadataTooLarge, error.Code);
        Assert.Equal("""{"a":1}""", document.ToJson());
    }

    [Theory]
    [InlineData("Set", null, "1", "needs a key")]
    [InlineData("Set", "k", "not json", "not JSON")]
    [InlineData("Increment", "", null, "needs a key")]
    public void Apply_BadOperation_IsAClearError(string kind, string? key, string? value, string expected)
    {
        var document = MetadataDocument.Parse(null);

        var error = Assert.Throws<InvalidRequestException>(() => document.Apply([new MetadataOp(Enum.Parse<MetadataOpKind>(kind), key, value, 1)]));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("{}", document.ToJson());
    }

    [Fact]
    public void Current_IsACopy()
    {
        var document = MetadataDocument.Parse("""{"a":1}""");

        var copy = document.Current();
        copy["a"] = 2;

        Assert.Equal("""{"a":1}""", document.ToJson());
        Assert.Equal(2, copy["a"]!.GetValue<int>());
        Assert.IsType<JsonObject>(copy);
    }
}
