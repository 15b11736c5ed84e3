namespace OrleansTasks.Auth;

/// <summary>
/// A payload uploaded ahead of its trigger (Trigger.dev's SDK offloads a payload from 128 KiB: it uploads the packet,
/// then triggers with the packet's path), keyed by that path. Engine grain.
/// </summary>
[Alias("ot.IPacketGrain")]
internal interface IPacketGrain : IGrainWithStringKey
{
    /// <summary>Stores the packet's data and type, replacing any before.</summary>
    [Alias("put")]
    Task PutAsync(string data, string contentType);

    /// <summary>The packet, or null when none was uploaded (or it was used and has expired).</summary>
    [Alias("get")]
    Task<StoredPacket?> GetAsync();
}

/// <summary>An uploaded packet: its data as text and its type (<c>application/super+json</c>, <c>application/json</c>, <c>text/plain</c>).</summary>
[GenerateSerializer, Alias("ot.StoredPacket")]
internal sealed record StoredPacket([property: Id(0)] string Data, [property: Id(1)] string ContentType);
