namespace EventEngine.State;

/// <summary>
/// The present as readers see it: the seq the live state stands at, and that state, read together. Time travel and
/// the watches need this and nothing of the write path that keeps it current.
/// </summary>
public interface ILiveHead
{
    (long Head, ClusterState State) Current { get; }
}
