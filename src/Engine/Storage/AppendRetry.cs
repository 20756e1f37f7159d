namespace EventEngine.Storage;

/// <summary>
/// Recognises a retried append. The rule: a call is a retry only as a whole, when every one of
/// its event ids is already stored, each in the stream the call names and in the order the call
/// gives; it then succeeds with the stored events and appends nothing, whatever the expected
/// versions say (the stream may have moved on since the first attempt). A call with only some
/// ids stored, or stored elsewhere, is an <see cref="AppendIdCollision"/>: it is not a retry, and
/// appending the rest would split one decision across two appends.
/// </summary>
internal static class AppendRetry
{
    public static AppendResult Judge(IReadOnlyList<StreamAppend> appends, IReadOnlyDictionary<Guid, StoredEvent> stored)
    {
        foreach (var append in appends)
        {
            if (!IsStoredAsGiven(append, stored))
            {
                var collidingStream = appends.First(a => a.Events.Any(e => stored.ContainsKey(e.Id))).Stream;
                var ids = appends.SelectMany(a => a.Events).Where(e => stored.ContainsKey(e.Id)).Select(e => e.Id).ToList();
                return new AppendIdCollision(collidingStream, ids);
            }
        }

        var events = appends.SelectMany(a => a.Events).Select(e => stored[e.Id]).OrderBy(e => e.Seq).ToList();
        var versions = appends.ToDictionary(a => a.Stream, a => stored[a.Events[^1].Id].Version, StringComparer.Ordinal);
        return new AppendSuccess(events, versions, AlreadyStored: true);
    }

    private static bool IsStoredAsGiven(StreamAppend append, IReadOnlyDictionary<Guid, StoredEvent> stored)
    {
        long? previous = null;
        foreach (var e in append.Events)
        {
            if (!stored.TryGetValue(e.Id, out var s) || s.Stream != append.Stream || (previous is { } p && s.Version != p + 1))
            {
                return false;
            }

            previous = s.Version;
        }

        return true;
    }
}
