using System.ComponentModel;
using System.Runtime.InteropServices;

namespace OrleansTasks.Bench.Chaos;

/// <summary>Sends a signal to another process: .NET can kill one (SIGKILL) but has no way to ask it to stop (SIGTERM).</summary>
internal static class PosixSignals
{
    private const int SigTerm = 15;

    /// <summary>Sends SIGTERM to <paramref name="pid"/>.</summary>
    /// <exception cref="Win32Exception">The signal could not be sent (no such process, no permission).</exception>
    public static void Terminate(int pid)
    {
        if (Kill(pid, SigTerm) != 0)
        {
            throw new Win32Exception(Marshal.GetLastPInvokeError(), $"kill({pid}, SIGTERM) failed.");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
