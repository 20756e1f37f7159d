using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EventEngine.Storage;

/// <summary>One numbered SQL file of <c>migrations/</c>, such as <c>0001_event_store.sql</c>.</summary>
public sealed partial record Migration
{
    /// <summary>Reads a migration; the name must look like <c>NNNN_words.sql</c>.</summary>
    public Migration(string name, string sql)
    {
        var match = NamePattern().Match(name);
        if (!match.Success)
        {
            throw new ArgumentException($"Migration file name '{name}' must look like 0001_name.sql.", nameof(name));
        }

        Name = name;
        Sql = sql;
        Version = match.Groups["version"].Value;
        Checksum = ChecksumOf(sql);
    }

    /// <summary>The file name, for example <c>0001_event_store.sql</c>.</summary>
    public string Name { get; }

    /// <summary>The SQL text.</summary>
    public string Sql { get; }

    /// <summary>The zero-padded number, for example <c>0001</c>; it orders migrations and keys schema_migrations.</summary>
    public string Version { get; }

    /// <summary>SHA-256 of the SQL, lower-case hex, with line endings normalised.</summary>
    public string Checksum { get; }

    /// <summary>The migrations compiled into the engine assembly, in the order they apply.</summary>
    public static IReadOnlyList<Migration> Embedded()
    {
        var assembly = typeof(Migration).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("migrations/", StringComparison.Ordinal))
            .Select(name => new Migration(name["migrations/".Length..], ReadResource(assembly, name)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .ToList();
    }

    // A checkout with CRLF line endings must not look like an edited file.
    private static string ChecksumOf(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^(?<version>[0-9]+)_[A-Za-z0-9_\-]+\.sql$")]
    private static partial Regex NamePattern();
}
