using System.Security.Cryptography;

namespace SquadStudy.Data;

/// <summary>
/// Content-addressed files in the data directory: <c>store/ab/abcdef….ext</c>, named by the SHA-256
/// of their bytes. The same bytes are stored once; a file is written to a temporary name and renamed,
/// so a crash never leaves a half-written file under a final name, and a restart can trust what exists.
/// With <paramref name="shared"/> (PostgreSQL, several machines) every file is stored there first,
/// and a file missing from this machine's data directory is fetched from there when resolved: the
/// data directory is then a cache, and no machine needs another's disk.
/// </summary>
public sealed class ContentStore(string dataDirectory, SharedContent? shared = null)
{
    public string DataDirectory { get; } = Path.GetFullPath(dataDirectory);

    /// <summary>The store of this provider: files alone with SQLite, files cached from the database with PostgreSQL.</summary>
    public static ContentStore For(DatabaseSettings settings) =>
        new(settings.DataDirectory, settings.Provider == DatabaseProvider.Postgres ? new SharedContent(settings.ConnectionString) : null);

    /// <summary>Stores the bytes and returns the path relative to the data directory.</summary>
    public string Put(ReadOnlySpan<byte> content, string extension)
    {
        ValidateExtension(extension);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        var relative = RelativePath(hash, extension);
        var full = Path.Combine(DataDirectory, relative);
        if (File.Exists(full))
        {
            // Here already: stored by this machine (shared first) or fetched from the shared copy.
            return relative;
        }
        shared?.Put(Path.GetFileName(full), content);
        Write(full, content);
        return relative;
    }

    /// <summary>
    /// The full path of a stored file (fetched into this data directory from the shared copy when
    /// only that has it), or null when the relative path is not a store path. The file may not
    /// exist when nobody stored it.
    /// </summary>
    public string? Resolve(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(DataDirectory, relativePath));
        var root = Path.Combine(DataDirectory, "store") + Path.DirectorySeparatorChar;
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            return null;
        }
        if (shared is not null && !File.Exists(full) && shared.Get(Path.GetFileName(full)) is { } content)
        {
            Write(full, content);
        }
        return full;
    }

    private static void Write(string full, ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>The store path for a hash (64 lower-case hex digits) and extension.</summary>
    public static string RelativePath(string sha256Hex, string extension)
    {
        if (sha256Hex.Length != 64 || !sha256Hex.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException("Not a lower-case SHA-256 hex digest.", nameof(sha256Hex));
        }
        ValidateExtension(extension);
        return Path.Combine("store", sha256Hex[..2], $"{sha256Hex}.{extension}");
    }

    private static void ValidateExtension(string extension)
    {
        if (extension.Length is 0 or > 8 || !extension.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{extension}' is not a plain file extension.", nameof(extension));
        }
    }
}
