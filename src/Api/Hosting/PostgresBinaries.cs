namespace EventEngine.Api.Hosting;

/// <summary>The directory of one PostgreSQL installation's server programs (initdb, pg_ctl, postgres).</summary>
public sealed record PostgresBinaries(string Directory)
{
    /// <summary>How to get the server programs on Debian and Ubuntu.</summary>
    public const string InstallCommand = "apt-get update && apt-get install -y postgresql";

    private static readonly string[] Programs = ["initdb", "pg_ctl", "postgres"];

    /// <summary>initdb, which creates a cluster.</summary>
    public string InitDb => Path.Combine(Directory, "initdb");

    /// <summary>pg_ctl, which starts and stops a server.</summary>
    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>Where to look by default: each directory of PATH, then /usr/lib/postgresql/*/bin, newest version first.</summary>
    public static IReadOnlyList<string> DefaultSearchPath()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        // Debian and Ubuntu install the server outside PATH, one directory per major version.
        var debian = System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var major) ? major : -1)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        return [.. path, .. debian];
    }

    /// <summary>The first directory of <paramref name="searchPath"/> (default: <see cref="DefaultSearchPath"/>) holding all three programs.</summary>
    /// <exception cref="InvalidOperationException">None has them; the message says how to install them.</exception>
    public static PostgresBinaries Find(IReadOnlyList<string>? searchPath = null)
    {
        var directories = searchPath ?? DefaultSearchPath();
        foreach (var directory in directories.Where(HasAllPrograms))
        {
            // pg_ctl starts the postgres beside its own real file, so follow symlinks
            // (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb) to the real directory.
            var real = File.ResolveLinkTarget(Path.Combine(directory, "initdb"), returnFinalTarget: true)?.FullName;
            var realDirectory = real is null ? null : Path.GetDirectoryName(real);
            return new PostgresBinaries(realDirectory is not null && HasAllPrograms(realDirectory) ? realDirectory : directory);
        }

        throw new InvalidOperationException(
            "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin " +
            $"(looked in: {(directories.Count == 0 ? "nothing" : string.Join(", ", directories))}). " +
            $"Install them with `{InstallCommand}`, or set ConnectionStrings__Events to an existing PostgreSQL database.");
    }

    private static bool HasAllPrograms(string directory) =>
        Programs.All(program => File.Exists(Path.Combine(directory, program)));
}
