using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansTasks.Realtime;
using OrleansTasks.Runs;

namespace OrleansTasks.Streams;

/// <summary>
/// One data stream (<see cref="IRunStreamGrain"/>). One activation numbers the chunks, so offsets are dense and in
/// arrival order; it stores them (grouped with other streams' into one commit by the store) before it answers, and only
/// then publishes them to live readers, so a reader never sees a chunk that could still be lost. Appends of one stream
/// run one at a time; a writer sends what piled up meanwhile as its next append.
/// </summary>
internal sealed class RunStreamGrain(IRunStreamStore store, RealtimeInterest interest, IServiceProvider services) : Grain, IRunStreamGrain
{
    private string _runId = "";
    private string _key = "";
    private long _length;
    private long _bytes;
    private bool _ended;
    private bool _opened;
    private Dictionary<string, long> _sources = new(StringComparer.Ordinal);
    private IStreamProvider? _provider;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        var slash = id.LastIndexOf('/');
        (_runId, _key) = (id[..slash], id[(slash + 1)..]);
        var state = await store.LoadAsync(_runId, _key, cancellationToken);
        (_length, _bytes, _ended, _opened) = (state.Length, state.Bytes, state.Ended, state.Length > 0 || state.Ended);
        _sources = new Dictionary<string, long>(state.Sources, StringComparer.Ordinal);
    }

    public async Task AppendAsync(StreamAppend append)
    {
        ArgumentNullException.ThrowIfNull(append);
        var stored = _sources.GetValueOrDefault(append.Source);
        var skip = (int)Math.Clamp(stored - append.FirstSequence + 1, 0, append.ChunksJson.Length);
        var chunks = append.ChunksJson.AsSpan(skip).ToArray();
        var end = append.End && stored < append.FirstSequence + append.ChunksJson.Length;
        if (chunks.Length == 0 && !end)
        {
            return; // all stored already: a replay, or a batch sent again
        }

        if (_ended)
        {
            throw new InvalidRequestException($"The data stream '{_key}' of run {_runId} has ended; nothing more can be written to it.", "key");
        }

        var rows = new StreamRows(_runId, _key, append.Source, append.FirstSequence + skip, _length, chunks, end);
        if (_bytes + rows.Bytes > StreamLimits.MaxStreamBytes)
        {
            throw new StreamLimitException(
                $"The data stream '{_key}' of run {_runId} would hold {_bytes + rows.Bytes:N0} bytes; at most {StreamLimits.MaxStreamBytes:N0} are allowed. The {chunks.Length} chunks were not stored.");
        }

        if (!_opened)
        {
            // The run learns of its stream first, so a reader that sees a chunk can always find the stream on the run.
            await GrainFactory.Reference<IRunGrain>(_runId).OpenStreamAsync(_key);
            _opened = true;
        }

        await store.AppendAsync(rows);
        var published = chunks.Select((json, i) => new StreamChunk(_length + i, json)).ToArray();
        _length += chunks.Length;
        _bytes += rows.Bytes;
        _ended |= end;
        _sources[append.Source] = rows.FirstSequence + chunks.Length - (end ? 0 : 1);
        await PublishAsync(published, end);
    }

    /// <summary>Hands the stored chunks to live readers, if there are any (the register says so); a failure is theirs to repair by reading.</summary>
    private async Task PublishAsync(StreamChunk[] chunks, bool ended)
    {
        var topic = RealtimeTopic.ForStream(_runId, _key);
        if (!interest.IsFollowed(topic))
        {
            return;
        }

        try
        {
            _provider ??= services.GetRequiredKeyedService<IStreamProvider>(RealtimeTopic.ProviderName);
            await _provider.GetStream<StreamChunkBatch>(StreamId.Create(topic.Namespace, topic.Key)).OnNextAsync(new StreamChunkBatch(chunks, ended, _length));
        }
        catch (Exception)
        {
            // Readers fill any gap from the store: they read it whenever offsets jump and at every heartbeat.
        }
    }
}
