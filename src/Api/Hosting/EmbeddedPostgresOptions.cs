namespace EventEngine.Api.Hosting;

/// <summary>Where and how <see cref="EmbeddedPostgres"/> runs its cluster.</summary>
public sealed class EmbeddedPostgresOptions
{
    /// <summary>The cluster's data directory; created and initialised on first start.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The application database, created when missing.</summary>
    public string Database { get; init; } = "eventengine";

    /// <summary>Directories to look for the server programs in; null means <see cref="PostgresBinaries.DefaultSearchPath"/>.</summary>
    public IReadOnlyList<string>? SearchPath { get; init; }

    /// <summary>False turns fsync off: much faster, and fine for a throwaway test cluster only.</summary>
    public bool Durable { get; init; } = true;
}
