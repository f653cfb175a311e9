using System.Text.Json;
using Microsoft.Playwright;

namespace SquadStudy.BrowserTests;

/// <summary>
/// axe-core, the automated WCAG check, in a Playwright page: the npm package pinned in this
/// folder's package.json, installed by <c>scripts/setup.sh --test</c> (npm ci) into node_modules.
/// It is added as an init script (CDP's addScriptToEvaluateOnNewDocument, which the site's
/// Content-Security-Policy does not govern), so the pages are checked with their real policy.
/// </summary>
public static class Axe
{
    /// <summary>The WCAG 2.0, 2.1 and 2.2 A and AA rules.</summary>
    private static readonly string[] Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

    public sealed record Violation(string Id, string Impact, string Help, IReadOnlyList<string> Targets)
    {
        public override string ToString() => $"{Id} ({Impact}): {Help} at {string.Join(", ", Targets)}";
    }

    public static async Task AddToAsync(IBrowserContext context)
    {
        var path = Path.Combine(RepositoryRoot(), "tests", "SquadStudy.BrowserTests", "node_modules", "axe-core", "axe.min.js");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"axe-core is missing at {path}: run 'bash scripts/setup.sh --test' (npm ci in tests/SquadStudy.BrowserTests).");
        }
        await context.AddInitScriptAsync(script: await File.ReadAllTextAsync(path));
    }

    /// <summary>The serious and critical violations of the page as it is now.</summary>
    public static async Task<IReadOnlyList<Violation>> SeriousViolationsAsync(IPage page)
    {
        var result = await page.EvaluateAsync<JsonElement>(
            """
            async tags => {
                const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
                return result.violations.map(v => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map(n => n.target.join(' ')) }));
            }
            """, Tags);
        return result.EnumerateArray()
            .Select(v => new Violation(v.GetProperty("id").GetString()!, v.GetProperty("impact").GetString()!, v.GetProperty("help").GetString()!,
                v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()!).ToList()))
            .Where(v => v.Impact is "serious" or "critical")
            .ToList();
    }

    /// <summary>Fails with each violation named when the page has a serious or critical one.</summary>
    public static async Task ShouldHaveNoSeriousViolationsAsync(IPage page, string what)
    {
        (await page.EvaluateAsync<bool>("() => typeof axe === 'object'")).ShouldBeTrue("axe-core was not loaded into " + what);
        var violations = await SeriousViolationsAsync(page);
        violations.ShouldBeEmpty($"{what} ({page.Url}):\n" + string.Join("\n", violations));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SquadStudy.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("SquadStudy.sln not found above " + AppContext.BaseDirectory);
    }
}
