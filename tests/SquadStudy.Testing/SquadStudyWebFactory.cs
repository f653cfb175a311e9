using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;

namespace SquadStudy.Testing;

/// <summary>
/// The participant tests' site: a <see cref="SiteFactory"/> on its own SQLite file (a file rather
/// than a kept-open in-memory connection: the participant tests send many requests at once, and one
/// shared in-memory connection would serialise them and hide the locking they must survive), with
/// the test sign-in for researchers and a clock the tests move.
/// </summary>
public class SquadStudyWebFactory : SiteFactory
{
    public SquadStudyWebFactory()
        : this(new TestClock())
    {
    }

    private SquadStudyWebFactory(TestClock clock)
        : base(new SiteOptions
        {
            Settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" },
            TestServices = services =>
            {
                TestResearcherAuthentication.Register(services);
                services.AddSingleton<TimeProvider>(clock);
            },
        })
    {
        Clock = clock;
    }

    public ContentStore Store => new(DataDirectory);

    /// <summary>The site's clock: the system's, moved forward by the tests that need time to pass.</summary>
    public TestClock Clock { get; }

    /// <summary>The warnings and errors the site logged so far (<see cref="SiteLog"/>).</summary>
    public IReadOnlyList<string> LoggedProblems() => Logged(LogLevel.Warning);

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public HttpClient CreateParticipantClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>A client signed in as a researcher (the test scheme's header), not following redirects.</summary>
    public HttpClient ResearcherClient()
    {
        var client = CreateParticipantClient();
        client.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        return client;
    }

    /// <summary>Inserts a synthetic study (after the site has started and migrated the schema).</summary>
    public Task<TestStudy> AddStudyAsync(TestStudyBuilder builder) => WithDbAsync(db => builder.BuildAsync(db, Store));
}
