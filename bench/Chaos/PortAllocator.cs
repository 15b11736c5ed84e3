using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// Hands out TCP ports for silos, each at most once in this process, from 20000 to 32000: below Linux's ephemeral
/// range (32768 and up), so no outgoing connection is holding one. A port is only handed out if it can be bound now.
/// </summary>
/// <remarks>
/// Never reusing a port matters because Orleans listens with SO_REUSEPORT: asking the system for a free port (binding
/// port 0) can return one that a silo killed a moment ago still holds, and a replacement silo would then share it with
/// a dying process, or a client would reach the wrong silo at a dead silo's address.
/// </remarks>
internal sealed class PortAllocator
{
    private const int First = 20_000;
    private const int Last = 32_000;

    private readonly HashSet<int> _taken = [];
    private readonly Lock _lock = new();

    /// <summary>The allocator of this process.</summary>
    public static PortAllocator Shared { get; } = new();

    /// <summary>A port never handed out before that can be bound on the loopback address now.</summary>
    /// <exception cref="InvalidOperationException">No such port was found in the range.</exception>
    public int Next()
    {
        lock (_lock)
        {
            // Random picks, so two benchmarks running at once rarely try the same ports.
            for (var tries = 0; tries < 1000 && _taken.Count <= Last - First; tries++)
            {
                var port = Random.Shared.Next(First, Last + 1);
                if (_taken.Add(port) && IsBindable(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No bindable port left between {First} and {Last} that this process has not handed out before.");
    }

    private static bool IsBindable(int port)
    {
        // A plain bind (no SO_REUSEPORT) fails if any socket holds the port, SO_REUSEPORT or not.
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
