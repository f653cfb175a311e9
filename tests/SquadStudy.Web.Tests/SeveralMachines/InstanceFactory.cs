using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.SeveralMachines;

/// <summary>
/// One instance of the site on a shared PostgreSQL database, with its own data directory unless
/// given one, configured as a deployment would be (environment-style settings only).
/// </summary>
public sealed class InstanceFactory(string connectionString, IReadOnlyDictionary<string, string?>? settings = null, string? dataDirectory = null)
    : SiteFactory(new SiteOptions
    {
        Environment = "Production",
        PostgresConnectionString = connectionString,
        DataDirectory = dataDirectory,
        Admin = (Email, Password),
        Settings = settings ?? new Dictionary<string, string?>(),
    })
{
    public const string Email = "lead@example.org";
    public const string Password = "correct horse battery staple";

    /// <summary>Every message the site logged at Information or above (<see cref="SiteLog"/>).</summary>
    public IReadOnlyList<string> Log => Logged(LogLevel.Information);

    /// <summary>A browser whose requests go to the instances in turn (a round-robin load balancer), cookies kept.</summary>
    public static HttpClient RoundRobinBrowser(params InstanceFactory[] instances) =>
        new(new CookieContainerHandler { InnerHandler = new RoundRobinHandler([.. instances.Select(i => i.Server.CreateHandler())]) })
        {
            BaseAddress = new Uri("http://localhost"),
        };

    private sealed class RoundRobinHandler(HttpMessageHandler[] targets) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker[] _invokers = [.. targets.Select(t => new HttpMessageInvoker(t))];
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            _invokers[(int)((uint)Interlocked.Increment(ref _next) % _invokers.Length)].SendAsync(request, cancellationToken);
    }
}
