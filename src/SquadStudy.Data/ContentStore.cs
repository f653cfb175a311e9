using System.Security.Cryptography;

namespace SquadStudy.Data;

/// <summary>
/// Content-addressed files in the data directory: <c>store/ab/abcdef….ext</c>, named by the SHA-256
/// of their bytes. The same bytes are stored once; a file is written to a temporary name and renamed,
/// so a crash never leaves a half-written file under a final name, and a restart can trust what exists.
/// </summary>
public sealed class ContentStore(string dataDirectory)
{
    public string DataDirectory { get; } = Path.GetFullPath(dataDirectory);

    /// <summary>Stores the bytes and returns the path relative to the data directory.</summary>
    public string Put(ReadOnlySpan<byte> content, string extension)
    {
        ValidateExtension(extension);
        var hash = Convert.ToHexStringLower(SHA256.HashData(content));
        var relative = RelativePath(hash, extension);
        var full = Path.Combine(DataDirectory, relative);
        if (File.Exists(full))
        {
            return relative;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Guid.NewGuid():N}.tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
        return relative;
    }

    /// <summary>The full path of a stored file, or null when the relative path is not a store path.</summary>
    public string? Resolve(string relativePath)
    {
        var full = Path.GetFullPath(Path.Combine(DataDirectory, relativePath));
        var root = Path.Combine(DataDirectory, "store") + Path.DirectorySeparatorChar;
        return full.StartsWith(root, StringComparison.Ordinal) ? full : null;
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
