using Microsoft.Playwright;

namespace SquadStudy.BrowserTests;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright's own browser downloads are never used (the
/// machines have no network for them): the driver (node, shipped in the NuGet package) launches
/// /usr/bin/chromium. A missing browser fails the test with a message saying what to install.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Browser tests need Debian's Chromium at {ExecutablePath}: install it with 'apt-get install -y chromium'. " +
                "Playwright's own browser download is not used.");
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        playwright?.Dispose();
    }
}
