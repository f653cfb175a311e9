using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using SquadStudy.Data;
using SquadStudy.Data.Configuration;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Migrations;
using SquadStudy.Web.Precompute;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Infrastructure;

public static class PlatformExtensions
{
    /// <summary>Registers the database, its migration and seeding, health checks and Razor Pages.</summary>
    public static WebApplicationBuilder AddPlatformServices(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SquadStudyOptions>().BindConfiguration(SquadStudyOptions.Section);
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        builder.Services.AddOptions<ResearcherSessionOptions>().BindConfiguration(ResearcherSessionOptions.Section);

        var database = DataServiceCollectionExtensions.ResolveDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSquadStudyData(database);
        // Hosted services start in the order they are registered. The start-up tasks come first: their
        // first migration attempt then runs before the framework's data-protection service reads the key
        // ring (its table is created by a migration) and before the precompute worker starts.
        builder.Services.AddSingleton<StartupState>();
        builder.Services.AddHostedService<StartupTasks>();
        builder.AddKeyRing(database);
        builder.Services.AddSingleton<IPasswordHasher<Researcher>, PasswordHasher<Researcher>>();
        builder.Services.AddScoped<ResearcherAccounts>();
        builder.AddPrecompute();

        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database")
            .AddCheck<StartupHealthCheck>("startup");
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/research/login";
                options.LogoutPath = "/research/logout";
                options.AccessDeniedPath = "/research/login";
                options.Cookie.Name = "squadstudy.researcher";
                // Every researcher page (the preview included) is under /research: participant pages never receive the cookie.
                options.Cookie.Path = "/research";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = ResearcherSessions.ValidateAsync;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ResearcherPolicy.Name, policy => policy.RequireAuthenticatedUser().RequireClaim(ResearcherPolicy.ClaimType));
        builder.Services.AddResearchServices();
        builder.AddParticipantLocalisation();
        builder.Services.AddRazorPages(options =>
        {
            // Everything under /research needs a signed-in researcher, except the login page itself.
            options.Conventions.AuthorizeFolder("/Research", ResearcherPolicy.Name);
            options.Conventions.AllowAnonymousToPage("/Research/Login");
        })
            .AddViewLocalization()
            // Validation messages ([Range], [Required]) and display names come from the participant texts too.
            .AddDataAnnotationsLocalization(options => options.DataAnnotationLocalizerProvider = (_, factory) => factory.Create(typeof(ParticipantText)));
        builder.AddParticipation(database);
        builder.AddSecurity();
        return builder;
    }

    public static WebApplication UsePlatformPipeline(this WebApplication app)
    {
        app.UseSecurity();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
        }
        app.UseStartupGate();
        app.UseStaticFiles();
        app.UseParticipantLocalisation();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealthChecks("/healthz", HealthResponse.Public);
        app.MapHealthChecks("/research/healthz", HealthResponse.Detailed).RequireAuthorization(ResearcherPolicy.Name);
        app.MapResearchEndpoints();
        app.MapRazorPages();
        app.MapParticipation();
        return app;
    }
}
