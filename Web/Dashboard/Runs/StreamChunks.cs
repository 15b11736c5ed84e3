using System.Text;
using System.Text.Json;

namespace OrleansTasks.Web.Dashboard.Runs;

/// <summary>
/// A run page's view of its data streams: the chunks that arrived, per stream, each once (a resubscription may deliver
/// one again) and the newest <see cref="Kept"/> only. Text chunks read as one text; others one JSON value per line.
/// </summary>
internal sealed class StreamChunks
{
    public const int Kept = 2000;

    private readonly Dictionary<string, SortedDictionary<long, string>> _byStream = new(StringComparer.Ordinal);

    public void Add(StreamChunkArrived chunk)
    {
        if (!_byStream.TryGetValue(chunk.Key, out var chunks))
        {
            chunks = [];
            _byStream.Add(chunk.Key, chunks);
        }

        chunks[chunk.Offset] = chunk.Json;
        while (chunks.Count > Kept)
        {
            chunks.Remove(chunks.Keys.First());
        }
    }

    public void Clear() => _byStream.Clear();

    public string Text(string key)
    {
        if (!_byStream.TryGetValue(key, out var chunks))
        {
            return "";
        }

        var text = new StringBuilder();
        foreach (var json in chunks.Values)
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.String)
            {
                text.Append(document.RootElement.GetString());
            }
            else
            {
                text.AppendLine(json);
            }
        }

        return text.ToString();
    }
}
