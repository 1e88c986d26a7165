<#-- Shared by our pages. Keycloak's own template shows, on pages after the username is known, a box with the
     username and a "Restart login" button; its label points at a field id that is not on the page (so the field has
     no name for screen readers), and the button's hover tooltip sits to its right, past the edge of a phone's
     screen, so the page scrolls sideways. Put this in a page's "form" section to repair both on that page. -->
<#macro usernameBox>
    <script>
        <#outputformat "JavaScript">
        (function () {
            var field = document.getElementById("kc-attempted-username");
            var label = document.querySelector("label[for='username']");
            if (field && label && !document.getElementById("username")) {
                label.htmlFor = field.id;
            }
            var tip = document.querySelector("#reset-login .kc-tooltip-text");
            if (!tip) {
                return;
            }
            function fit() {
                // Without its tooltip the button still says what it does: it has the same text as aria-label.
                tip.style.display = "";
                if (tip.getBoundingClientRect().right > document.documentElement.clientWidth) {
                    tip.style.display = "none";
                }
            }
            fit();
            window.addEventListener("resize", fit);
        })();
        </#outputformat>
    </script>
</#macro>
