namespace OrleansTasks.Auth;

/// <summary>
/// A single-use public access token (a trigger token, by default), keyed by a hash of the token: the cluster's one
/// record of whether it was used. Engine grain.
/// </summary>
[Alias("ot.IOneTimeTokenGrain")]
internal interface IOneTimeTokenGrain : IGrainWithStringKey
{
    /// <summary>Marks the token used; true the first time (the use may go ahead), false ever after.</summary>
    [Alias("try-use")]
    Task<bool> TryUseAsync();
}
