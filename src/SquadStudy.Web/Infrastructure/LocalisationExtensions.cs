using System.Globalization;
using Microsoft.AspNetCore.Localization;
using SquadStudy.Studies;

namespace SquadStudy.Web.Infrastructure;

/// <summary>
/// The participant pages' language (docs/participants.md, "Languages"): the framework's request
/// localisation chooses it from the <c>lang</c> query parameter, then the language cookie, then
/// the browser's Accept-Language; a <c>lang</c> given in a link is kept in the cookie, so the
/// choice sticks for the rest of the session. Only the UI language changes: numbers and dates
/// keep the invariant culture the rest of the code (exports, charts, the data) is written for.
/// </summary>
public static class LocalisationExtensions
{
    /// <summary>The query parameter that chooses the language, e.g. <c>/s/demo?lang=de</c>.</summary>
    public const string QueryKey = "lang";

    /// <summary>The framework's cookie name (<see cref="CookieRequestCultureProvider.DefaultCookieName"/>).</summary>
    public static string CookieName => CookieRequestCultureProvider.DefaultCookieName;

    public static WebApplicationBuilder AddParticipantLocalisation(this WebApplicationBuilder builder)
    {
        // The site was built for the invariant culture (it used to run in invariant-globalization
        // mode); keep it so for everything outside a request, whatever the machine's locale.
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.GetCultureInfo(StudyLanguages.Default);
        builder.Services.AddLocalization();
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            options.DefaultRequestCulture = new RequestCulture(CultureInfo.InvariantCulture, CultureInfo.GetCultureInfo(StudyLanguages.Default));
            options.SupportedCultures = [CultureInfo.InvariantCulture];
            options.SupportedUICultures = StudyLanguages.Supported.Select(CultureInfo.GetCultureInfo).ToList();
            // de-AT, de-CH … choose German.
            options.FallBackToParentUICultures = true;
            options.RequestCultureProviders =
            [
                new QueryStringRequestCultureProvider { QueryStringKey = QueryKey, UIQueryStringKey = QueryKey },
                new CookieRequestCultureProvider(),
                new AcceptLanguageHeaderRequestCultureProvider(),
            ];
        });
        return builder;
    }

    /// <summary>Sets the request's language; after the cookie policy (MTurk's frame needs its SameSite=None), before any page.</summary>
    public static WebApplication UseParticipantLocalisation(this WebApplication app)
    {
        app.UseRequestLocalization();
        app.Use((context, next) =>
        {
            var chosen = context.Features.Get<IRequestCultureFeature>();
            if (chosen?.Provider is QueryStringRequestCultureProvider)
            {
                context.Response.Cookies.Append(CookieName, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(chosen.RequestCulture.UICulture)),
                    new CookieOptions
                    {
                        Path = "/",
                        HttpOnly = true,
                        SameSite = SameSiteMode.Lax,
                        Secure = context.Request.IsHttps,
                        IsEssential = true,
                        MaxAge = TimeSpan.FromDays(30),
                    });
            }
            return next(context);
        });
        return app;
    }

    /// <summary>The language of the current request's pages, e.g. <c>de</c>: the html <c>lang</c> attribute.</summary>
    public static string CurrentLanguage => CultureInfo.CurrentUICulture.Name;
}
