using System.IO.Compression;

namespace SquadStudy.Studies;

/// <summary>Extracts a zipped pack into a temporary folder, refusing zip-slip paths and zip bombs.</summary>
internal static class PackArchive
{
    /// <summary>Returns the folder holding study.json (the archive's root or its single top folder).</summary>
    public static string Extract(string zipPath, string destination, PackLimits limits, List<PackProblem> problems)
    {
        var name = Path.GetFileName(zipPath);
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        long total = 0;
        try
        {
            using var archive = ZipFile.OpenRead(zipPath);
            if (archive.Entries.Count > limits.MaxEntries)
            {
                problems.Add(new PackProblem(name, $"has {archive.Entries.Count} entries; at most {limits.MaxEntries} are accepted."));
                return destination;
            }
            var buffer = new byte[81920];
            foreach (var entry in archive.Entries)
            {
                var target = Path.GetFullPath(Path.Combine(root, entry.FullName));
                if (!target.StartsWith(root, StringComparison.Ordinal) || Path.IsPathRooted(entry.FullName))
                {
                    problems.Add(new PackProblem(name, $"entry '{entry.FullName}' points outside the pack (zip-slip); nothing was extracted from it."));
                    continue;
                }
                if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                {
                    Directory.CreateDirectory(target);
                    continue;
                }
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                using var input = entry.Open();
                using var output = File.Create(target);
                long written = 0;
                int read;
                while ((read = input.Read(buffer)) > 0)
                {
                    written += read;
                    total += read;
                    if (written > limits.MaxEntryBytes || total > limits.MaxTotalBytes)
                    {
                        problems.Add(new PackProblem(name, written > limits.MaxEntryBytes
                            ? $"entry '{entry.FullName}' inflates to more than {limits.MaxEntryBytes} bytes (a zip bomb?)."
                            : $"inflates to more than {limits.MaxTotalBytes} bytes in total (a zip bomb?)."));
                        return destination;
                    }
                    output.Write(buffer, 0, read);
                }
            }
        }
        catch (InvalidDataException e)
        {
            problems.Add(new PackProblem(name, $"is not a readable zip archive: {e.Message}"));
            return destination;
        }
        if (File.Exists(Path.Combine(destination, "study.json")))
        {
            return destination;
        }
        var folders = Directory.GetDirectories(destination);
        return folders.Length == 1 && Directory.GetFiles(destination).Length == 0 ? folders[0] : destination;
    }
}
