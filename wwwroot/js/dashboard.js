// Live progress on a study's dashboard (Pages/Research/Dashboard.cshtml): polls the JSON twin
// named by data-progress-url every 5 s and updates the numbers in place.
(function () {
    const section = document.querySelector('[data-progress-url]');
    if (!section) return;
    const url = section.getAttribute('data-progress-url');
    async function refresh() {
        try {
            const response = await fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } });
            if (!response.ok) return;
            const data = await response.json();
            for (const [key, value] of Object.entries(data.progress)) {
                document.querySelectorAll(`[data-progress="${key}"]`).forEach(e => e.textContent = value);
            }
            if (data.precompute) {
                for (const key of ['status', 'completed', 'total']) {
                    document.querySelectorAll(`[data-precompute="${key}"]`).forEach(e => e.textContent = data.precompute[key]);
                }
                document.querySelectorAll('[data-precompute="bar"]').forEach(e => e.style.width = data.precompute.percent + '%');
            }
        } catch (e) {
            console.warn('progress refresh failed', e);
        }
    }
    setInterval(refresh, 5000);
})();
