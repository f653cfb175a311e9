using System.Globalization;

namespace SquadStudy.LoadTest;

/// <summary>Command-line parsing of the three modes; every numeric option is bounded.</summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                usage: SquadStudy.LoadTest seed   --data DIR [--db PG] [--slug load] [--questions 120]
                       SquadStudy.LoadTest run    --url http://127.0.0.1:PORT[,URL2,...] --data DIR [--db PG] [--slug load] [--participants 200] [--seconds 20] [--warmup 5] [--rate ANSWERS_PER_S] [--log FILE] [--site-pid PID]
                       SquadStudy.LoadTest verify --url URL[,URL2,...] --data DIR [--db PG] --log FILE [--slug load]
                  --url: several comma-separated URLs spread each participant's requests round-robin over the instances.
                  --db:  the instances' PostgreSQL connection string (loopback); default: the SQLite file in --data.
                """);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var options = Parse(args.Skip(1).ToArray());
            string Get(string name, string? fallback = null) =>
                options.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required.");
            int GetInt(string name, int fallback, int min, int max)
            {
                var value = options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
                return value < min || value > max ? throw new ArgumentException($"--{name} must be in [{min}, {max}].") : value;
            }
            var slug = Get("slug", "load");
            switch (args[0])
            {
                case "seed":
                    await Seeder.SeedAsync(Get("data"), slug, GetInt("questions", 120, 1, 10_000), Database(options));
                    return 0;
                case "run":
                    return await LoadRun.RunAsync(LoopbackUris(Get("url")), Get("data"), slug,
                        GetInt("participants", 200, 1, 2000), GetInt("seconds", 20, 1, 600), GetInt("warmup", 5, 0, 600), options.GetValueOrDefault("log"),
                        GetInt("rate", 0, 0, 100_000), options.ContainsKey("site-pid") ? GetInt("site-pid", 0, 1, int.MaxValue) : null, Database(options));
                case "verify":
                    return await Verifier.VerifyAsync(LoopbackUris(Get("url")), Get("data"), slug, Get("log"), checkResume: true, Database(options));
                default:
                    throw new ArgumentException($"Unknown mode '{args[0]}' (seed, run, verify).");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    private static Dictionary<string, string> Parse(string[] args)
    {
        var options = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected '--name value', got '{args[i]}'.");
            }
            options[args[i][2..]] = args[++i];
        }
        return options;
    }

    private static Uri[] LoopbackUris(string urls) => [.. urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(LoopbackUri)];

    /// <summary>The PostgreSQL database of the instances, on this machine only (as the URLs).</summary>
    private static string? Database(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("db", out var db))
        {
            return null;
        }
        var host = new Npgsql.NpgsqlConnectionStringBuilder(db).Host;
        return host is "127.0.0.1" or "localhost" or "::1"
            ? db
            : throw new ArgumentException($"--db must name a PostgreSQL server on loopback (Host=127.0.0.1), not '{host}'.");
    }

    /// <summary>The tool only ever loads this machine: a mistyped URL must not hit anyone else's server.</summary>
    private static Uri LoopbackUri(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || !uri.IsLoopback
            || uri.Host is not ("127.0.0.1" or "localhost" or "[::1]"))
        {
            throw new ArgumentException($"--url must be http://127.0.0.1:PORT (loopback only), not '{url}'.");
        }
        return uri;
    }
}
