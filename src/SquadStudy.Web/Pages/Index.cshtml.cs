using Microsoft.AspNetCore.Mvc.RazorPages;

namespace SquadStudy.Web.Pages;

public sealed class IndexModel : PageModel
{
    public void OnGet()
    {
    }
}
