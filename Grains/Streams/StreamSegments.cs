using System.Text;
using System.Text.Json;

namespace OrleansTasks.Streams;

/// <summary>A stored segment's chunks: the JSON texts of one append joined into one JSON array, and split back.</summary>
internal static class StreamSegments
{
    public static string Join(IReadOnlyList<string> chunks)
    {
        var text = new StringBuilder(chunks.Sum(c => c.Length + 1) + 2).Append('[');
        for (var i = 0; i < chunks.Count; i++)
        {
            text.Append(i == 0 ? "" : ",").Append(chunks[i]);
        }

        return text.Append(']').ToString();
    }

    /// <summary>Each chunk's JSON as it was written.</summary>
    public static IEnumerable<string> Split(string segment)
    {
        using var document = JsonDocument.Parse(segment);
        foreach (var element in document.RootElement.EnumerateArray())
        {
            yield return element.GetRawText();
        }
    }

    public static long Bytes(IReadOnlyList<string> chunks)
    {
        var bytes = 0L;
        foreach (var chunk in chunks)
        {
            bytes += Encoding.UTF8.GetByteCount(chunk);
        }

        return bytes;
    }
}
