using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>
/// The whole site on Kestrel at 127.0.0.1 on a free port (a browser needs a real socket, not the
/// in-memory test server), on a throw-away SQLite data directory with one seeded researcher.
/// </summary>
public sealed class BrowserSite : SiteFactory
{
    public const string Email = "lead@example.org";
    public const string Password = "correct horse battery staple";

    /// <param name="settings">Configuration beyond the defaults, e.g. <c>Security:FramingOrigins:0</c>.</param>
    public BrowserSite(IReadOnlyDictionary<string, string>? settings = null)
        : base(new SiteOptions
        {
            Environment = "Production",
            Admin = (Email, Password),
            Settings = (settings ?? new Dictionary<string, string>()).ToDictionary(s => s.Key, s => (string?)s.Value),
        })
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    /// <summary>The address Kestrel bound, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
