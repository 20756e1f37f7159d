using Npgsql;

namespace EventEngine.Projections;

/// <summary>A statement of a projection's batch, with its parameters by name (<c>@name</c> in the SQL).</summary>
internal static class Statement
{
    public static NpgsqlBatchCommand Of(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters) command.Parameters.Add(new NpgsqlParameter(name, value));
        return command;
    }
}
