<#-- After the second step: remember this browser? Unticked by default, with a warning against shared devices. -->
<#import "template.ftl" as layout>
<@layout.registrationLayout; section>
    <#if section="header">
        ${msg("twoStepRememberTitle")}
    <#elseif section="form">
        <form id="kc-trusted-device-offer-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="checkbox">
                    <label for="rememberDevice">
                        <input id="rememberDevice" name="rememberDevice" type="checkbox" value="on">
                        ${msg("twoStepRememberLabel", trustedDeviceDays?c)}
                    </label>
                </div>
                <p id="trusted-device-warning">${msg("twoStepRememberHint")}</p>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="trusted-device-continue" type="submit"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepRememberContinue")}</button>
                </div>
            </div>
        </form>
    </#if>
</@layout.registrationLayout>
