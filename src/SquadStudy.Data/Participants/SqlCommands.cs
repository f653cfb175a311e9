using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SquadStudy.Data.Participants;

/// <summary>
/// ADO.NET helpers shared by <see cref="ParticipantSql"/> and <see cref="StimulusBalance"/>: kept
/// commands (on SQLite a kept command keeps its prepared statement), parameters set in place, and
/// many-row statements.
/// </summary>
internal static partial class SqlCommands
{
    /// <summary>The command kept in <paramref name="slot"/>, created with <paramref name="sql"/> the first time.</summary>
    public static DbCommand Kept(DbConnection connection, ref DbCommand? slot, string sql)
    {
        if (slot is null)
        {
            slot = connection.CreateCommand();
            slot.CommandText = sql;
        }
        return slot;
    }

    /// <summary>A one-off command in the transaction with its parameters.</summary>
    public static DbCommand Create(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object? Value)[] values)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in values)
        {
            AddParameter(command, name, value);
        }
        return command;
    }

    public static async Task<int> ExecuteOnceAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken,
        params (string Name, object? Value)[] values)
    {
        await using var command = Create(connection, transaction, sql, values);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public static Task<int> ExecuteAsync(DbCommand command, DbTransaction transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] values)
    {
        command.Transaction = transaction;
        SetParameters(command, values);
        return command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Sets a kept command's parameters: added the first time, then updated in place by position
    /// (each kept command is always called with the same names in the same order).
    /// </summary>
    public static void SetParameters(DbCommand command, params (string Name, object? Value)[] values)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var (name, value) in values)
            {
                AddParameter(command, name, value);
            }
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = Value(values[i].Name, values[i].Value);
        }
    }

    public static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = Value(name, value);
        command.Parameters.Add(parameter);
    }

    private static object Value(string name, object? value) => value switch
    {
        null => DBNull.Value,
        DateTime t when t.Kind != DateTimeKind.Utc => throw new ArgumentException($"{name} must be a UTC time.", nameof(value)),
        _ => value,
    };

    /// <summary>
    /// Runs <c>head + row(0) + separator + row(1) … + tail</c> for the rows, several rows per
    /// statement on PostgreSQL (one round trip) but one row per statement on SQLite, where binding
    /// a parameter by name scans every name of the statement (hundreds of parameters cost
    /// quadratically) and one kept statement re-executed is cheapest. <paramref name="row"/> holds
    /// <c>{0}</c> where each parameter name takes the row's number within the statement.
    /// </summary>
    public static async Task ExecuteRowsAsync(DbConnection connection, DbTransaction transaction, string head, string row, string separator, string tail,
        IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var rowsPerStatement = connection is Microsoft.Data.Sqlite.SqliteConnection ? 1 : 200;
        DbCommand? command = null;
        var commandRows = 0;
        try
        {
            for (var start = 0; start < rows.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - start);
                if (command is null || commandRows != count)
                {
                    command?.Dispose();
                    command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = head + string.Join(separator, Enumerable.Range(0, count)
                        .Select(r => string.Format(CultureInfo.InvariantCulture, row, r))) + tail;
                    commandRows = count;
                    for (var r = 0; r < count; r++)
                    {
                        foreach (var name in ParameterNames(row, r))
                        {
                            AddParameter(command, name, null);
                        }
                    }
                }
                var index = 0;
                for (var r = 0; r < count; r++)
                {
                    foreach (var value in rows[start + r])
                    {
                        command.Parameters[index].Value = Value(command.Parameters[index].ParameterName, value);
                        index++;
                    }
                }
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            command?.Dispose();
        }
    }

    /// <summary>The parameter names of one row template, in order of appearance.</summary>
    private static IEnumerable<string> ParameterNames(string row, int number) =>
        ParameterName().Matches(string.Format(CultureInfo.InvariantCulture, row, number)).Select(m => m.Value);

    [GeneratedRegex(@"@\w+")]
    private static partial Regex ParameterName();
}
