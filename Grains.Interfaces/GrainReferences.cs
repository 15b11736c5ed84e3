namespace OrleansTasks;

/// <summary>
/// Grain references without the per-call type resolution of <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/>,
/// which reads the interface's attributes by reflection every time (Orleans does not cache it): a tenth of the CPU of a
/// burst of runs went there. The grain and interface types are worked out once per interface, from the first
/// reference made the ordinary way; later references are built from them directly.
/// </summary>
internal static class GrainReferences
{
    /// <summary>The reference to the grain of <typeparamref name="TGrain"/> with key <paramref name="key"/>.</summary>
    public static TGrain Reference<TGrain>(this IGrainFactory factory, string key)
        where TGrain : IGrainWithStringKey
    {
        if (Types<TGrain>.Known is { } known)
        {
            return (TGrain)factory.GetGrain(GrainId.Create(known.Grain, key), known.Interface);
        }

        var grain = factory.GetGrain<TGrain>(key);
        Types<TGrain>.Learn(grain);
        return grain;
    }

    /// <summary>The reference to the grain of <typeparamref name="TGrain"/> with key <paramref name="key"/>.</summary>
    public static TGrain Reference<TGrain>(this IGrainFactory factory, long key)
        where TGrain : IGrainWithIntegerKey
    {
        if (Types<TGrain>.Known is { } known)
        {
            return (TGrain)factory.GetGrain(GrainId.Create(known.Grain, GrainIdKeyExtensions.CreateIntegerKey(key)), known.Interface);
        }

        var grain = factory.GetGrain<TGrain>(key);
        Types<TGrain>.Learn(grain);
        return grain;
    }

    private sealed record GrainTypes(GrainType Grain, GrainInterfaceType Interface);

    private static class Types<TGrain>
    {
        public static GrainTypes? Known { get; private set; }

        public static void Learn(TGrain grain)
        {
            if (grain is GrainReference reference)
            {
                Known = new GrainTypes(reference.GrainId.Type, reference.InterfaceType);
            }
        }
    }
}
