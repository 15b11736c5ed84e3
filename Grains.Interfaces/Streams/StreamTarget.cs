namespace OrleansTasks.Streams;

/// <summary>Which run a data stream written inside a task belongs to, as Trigger.dev's <c>target</c>.</summary>
public enum StreamTarget
{
    /// <summary>The run writing it.</summary>
    Self,

    /// <summary>The run that triggered it (fails in a run with no parent).</summary>
    Parent,

    /// <summary>The root of its run tree (the run itself for a root run).</summary>
    Root,
}
