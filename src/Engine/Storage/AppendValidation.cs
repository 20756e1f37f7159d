namespace EventEngine.Storage;

/// <summary>Rejects malformed appends before they reach the database: these are caller bugs, not conflicts.</summary>
internal static class AppendValidation
{
    public static void Validate(IReadOnlyList<StreamAppend> appends)
    {
        ArgumentNullException.ThrowIfNull(appends);
        if (appends.Count == 0)
        {
            throw new ArgumentException("An append needs at least one stream.", nameof(appends));
        }

        var streams = new HashSet<string>(StringComparer.Ordinal);
        var ids = new HashSet<Guid>();
        foreach (var append in appends)
        {
            if (string.IsNullOrEmpty(append.Stream))
            {
                throw new ArgumentException("A stream name must not be empty.", nameof(appends));
            }

            if (!streams.Add(append.Stream))
            {
                throw new ArgumentException($"Stream '{append.Stream}' appears twice in one append.", nameof(appends));
            }

            if (append.ExpectedVersion < ExpectedVersion.Any)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(appends), append.ExpectedVersion, $"Expected version of '{append.Stream}' must be -1 (any), 0 (no stream) or a version.");
            }

            if (append.Events is not { Count: > 0 })
            {
                throw new ArgumentException($"The append to '{append.Stream}' has no events.", nameof(appends));
            }

            foreach (var e in append.Events)
            {
                if (e.Id == Guid.Empty || !ids.Add(e.Id))
                {
                    throw new ArgumentException($"Event id '{e.Id}' is empty or given twice.", nameof(appends));
                }

                if (string.IsNullOrEmpty(e.Type) || e.Data is null || e.Metadata is null)
                {
                    throw new ArgumentException($"Event '{e.Id}' needs a type, data and metadata.", nameof(appends));
                }

                // every event must say who caused it and through which request
                if (string.IsNullOrEmpty(e.Metadata.CorrelationId) || string.IsNullOrEmpty(e.Metadata.Actor)
                    || e.Metadata.Reason is { Code: null } or { Message: null })
                {
                    throw new ArgumentException($"Event '{e.Id}' needs a correlation id and an actor in its metadata.", nameof(appends));
                }
            }
        }
    }
}
