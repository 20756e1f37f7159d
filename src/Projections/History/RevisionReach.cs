using System.Text.Json.Nodes;
using EventEngine.Model;
using Npgsql;

namespace EventEngine.Projections.History;

/// <summary>
/// How far one DaemonSet's revision got, from its placement intervals: nodes reached, the first and last time a pod
/// ran it (last is null while one still runs), and the pods running it now. The revisions list and the placement
/// history both show it, so both read it with these columns.
/// </summary>
public static class RevisionReach
{
    /// <summary>Aggregates over proj_placements rows: nodes, first_time, last_time, running.</summary>
    public const string Columns = """
        count(distinct node) as nodes, min(from_time) as first_time,
        case when bool_or(to_seq is null) then null else max(to_time) end as last_time,
        count(*) filter (where to_seq is null) as running
        """;

    /// <summary>The summary from the four <see cref="Columns"/>, starting at column <paramref name="first"/>.</summary>
    public static JsonObject Read(NpgsqlDataReader reader, int first) => new()
    {
        ["nodesReached"] = reader.IsDBNull(first) ? 0 : reader.GetInt64(first),
        ["first"] = reader.IsDBNull(first + 1) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(first + 1)),
        ["last"] = reader.IsDBNull(first + 2) ? null : Json.FormatTime(reader.GetFieldValue<DateTimeOffset>(first + 2)),
        ["current"] = reader.IsDBNull(first + 3) ? 0 : reader.GetInt64(first + 3),
    };
}
