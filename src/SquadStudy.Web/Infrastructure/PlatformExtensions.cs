using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
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
        // Antiforgery and login cookies must survive restarts and be shared by instances on one data directory.
        builder.Services.AddDataProtection()
            .SetApplicationName("SquadStudy")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(database.DataDirectory, "keys")));
        builder.Services.AddSingleton<IPasswordHasher<Researcher>, PasswordHasher<Researcher>>();
        builder.Services.AddScoped<ResearcherAccounts>();

        // Order matters: the schema is migrated before the first account is seeded.
        builder.Services.AddHostedService<DatabaseMigrationService>();
        builder.Services.AddHostedService<AdminAccountSeeder>();
        builder.AddPrecompute();

        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/research/login";
                options.LogoutPath = "/research/logout";
                options.AccessDeniedPath = "/research/login";
                options.Cookie.Name = "squadstudy.researcher";
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
        builder.Services.AddRazorPages(options =>
        {
            // Everything under /research needs a signed-in researcher, except the login page itself.
            options.Conventions.AuthorizeFolder("/Research", ResearcherPolicy.Name);
            options.Conventions.AllowAnonymousToPage("/Research/Login");
        });
        builder.AddParticipation();
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
        app.UseStaticFiles();
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
