using System.Reflection;

namespace OrleansTasks.Lifecycle;

/// <summary>
/// Which lifecycle hooks a task (or a global hook class) overrides. Found once at start-up, so an attempt of a task
/// with no hooks pays nothing for them.
/// </summary>
[Flags]
internal enum HookSet
{
    None = 0,
    Middleware = 1 << 0,
    Init = 1 << 1,
    OnStart = 1 << 2,
    OnWait = 1 << 3,
    OnResume = 1 << 4,
    CatchError = 1 << 5,
    OnSuccess = 1 << 6,
    OnFailure = 1 << 7,
    OnComplete = 1 << 8,
    Cleanup = 1 << 9,
    OnCancel = 1 << 10,
}

internal static class HookSets
{
    private static readonly (string Method, HookSet Hook)[] s_methods =
    [
        ("MiddlewareAsync", HookSet.Middleware),
        ("InitAsync", HookSet.Init),
        ("OnStartAsync", HookSet.OnStart),
        ("OnWaitAsync", HookSet.OnWait),
        ("OnResumeAsync", HookSet.OnResume),
        ("CatchErrorAsync", HookSet.CatchError),
        ("OnSuccessAsync", HookSet.OnSuccess),
        ("OnFailureAsync", HookSet.OnFailure),
        ("OnCompleteAsync", HookSet.OnComplete),
        ("CleanupAsync", HookSet.Cleanup),
        ("OnCancelAsync", HookSet.OnCancel),
    ];

    /// <summary>The hooks <paramref name="type"/> overrides, below the base class that declares them.</summary>
    public static HookSet Overridden(Type type)
    {
        var hooks = HookSet.None;
        foreach (var (name, hook) in s_methods)
        {
            var overridden = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Any(m => m.Name == name && m.IsVirtual && m.GetBaseDefinition() is var root && root.DeclaringType != m.DeclaringType);
            if (overridden)
            {
                hooks |= hook;
            }
        }

        return hooks;
    }

    public static bool Has(this HookSet set, HookSet hook) => (set & hook) != 0;
}
