namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// The service-id check of a statement that finds rows by primary key. Written plainly (<c>service_id = $2</c>), it
/// lets PostgreSQL pick one of the <c>(service_id, …)</c> listing indexes over the key whenever it believes the service
/// has few rows, which it believes of any service id that is new since the table was last analyzed: a new deployment,
/// a benchmark, a second service sharing the database. Each lookup then walks every row that service inserted since,
/// and saves slow down as the table grows (measured: a child round trip from 13 ms to over 100 ms within a minute). In
/// this form the check cannot use an index, so the key finds the rows and the check filters them.
/// </summary>
internal static class ServiceScope
{
    /// <summary><c>service_id || '' = $n</c>, optionally on a table alias.</summary>
    public static string ByKey(string parameter, string? alias = null) => $"{(alias is null ? "" : alias + ".")}service_id || '' = {parameter}";
}
