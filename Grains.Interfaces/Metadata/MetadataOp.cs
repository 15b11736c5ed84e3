namespace OrleansTasks.Metadata;

/// <summary>What a metadata operation does (Trigger.dev's <c>metadata.set</c>, <c>del</c>, <c>replace</c>, <c>append</c>, <c>remove</c>, <c>increment</c>). Engine wire type.</summary>
[GenerateSerializer, Alias("ot.MetadataOpKind")]
internal enum MetadataOpKind
{
    /// <summary>Sets <see cref="MetadataOp.Key"/> to the value.</summary>
    Set = 1,

    /// <summary>Removes <see cref="MetadataOp.Key"/>.</summary>
    Delete = 2,

    /// <summary>Replaces the whole document with the value (a JSON object).</summary>
    Replace = 3,

    /// <summary>Appends the value to the array at <see cref="MetadataOp.Key"/> (made an array if it is missing or a single value).</summary>
    Append = 4,

    /// <summary>Removes every element equal to the value from the array at <see cref="MetadataOp.Key"/>.</summary>
    Remove = 5,

    /// <summary>Adds <see cref="MetadataOp.Amount"/> (negative to decrement) to the number at <see cref="MetadataOp.Key"/> (0 if missing).</summary>
    Increment = 6,
}

/// <summary>One change to a run's metadata. Engine wire type.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Key">The top-level key it changes; null for <see cref="MetadataOpKind.Replace"/>.</param>
/// <param name="ValueJson">The value as JSON, for the kinds that take one.</param>
/// <param name="Amount">For <see cref="MetadataOpKind.Increment"/>: how much to add.</param>
[GenerateSerializer, Immutable, Alias("ot.MetadataOp")]
internal sealed record MetadataOp(
    [property: Id(0)] MetadataOpKind Kind,
    [property: Id(1)] string? Key,
    [property: Id(2)] string? ValueJson,
    [property: Id(3)] double Amount = 0);
