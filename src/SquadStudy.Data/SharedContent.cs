using Npgsql;
using NpgsqlTypes;

namespace SquadStudy.Data;

/// <summary>
/// The content store's copy in PostgreSQL (<c>content_files</c>, migration 0007): with several web
/// instances and workers, a file one of them stored is found by all the others, and each machine's
/// data directory is only a cache of it. Files are immutable (named by their SHA-256), so a row is
/// written once and never updated. PostgreSQL's <c>bytea</c> holds up to 1 GB per file.
/// </summary>
public sealed class SharedContent(string connectionString)
{
    /// <summary>Stores the bytes under <paramref name="name"/> unless a row of that name exists (same name, same bytes).</summary>
    public void Put(string name, ReadOnlySpan<byte> content)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var insert = new NpgsqlCommand("INSERT INTO content_files (name, content) VALUES (@name, @content) ON CONFLICT (name) DO NOTHING", connection);
        insert.Parameters.AddWithValue("name", name);
        insert.Parameters.Add(new NpgsqlParameter("content", NpgsqlDbType.Bytea) { Value = content.ToArray() });
        insert.ExecuteNonQuery();
    }

    /// <summary>The bytes stored under <paramref name="name"/>, or null when no machine stored them.</summary>
    public byte[]? Get(string name)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var select = new NpgsqlCommand("SELECT content FROM content_files WHERE name = @name", connection);
        select.Parameters.AddWithValue("name", name);
        return select.ExecuteScalar() as byte[];
    }
}
