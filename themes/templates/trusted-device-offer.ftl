<#-- After the second step: remember this browser? Unticked by default, with a warning against shared devices. -->
<#import "template.ftl" as layout>
<#import "two-step-page.ftl" as twoStep>
<@layout.registrationLayout; section>
    <#if section="header">
        ${msg("twoStepRememberTitle")}
    <#elseif section="form">
        <form id="kc-trusted-device-offer-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="checkbox ${properties.kcCheckboxClass!}">
                    <input id="rememberDevice" name="rememberDevice" type="checkbox" value="on"
                           class="${properties.kcCheckboxInputClass!}" aria-describedby="trusted-device-warning">
                    <label for="rememberDevice" class="${properties.kcCheckboxLabelClass!}">${msg("twoStepRememberLabel", trustedDeviceDays?c)}</label>
                </div>
                <p id="trusted-device-warning">${msg("twoStepRememberHint")}</p>
            </div>
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="trusted-device-continue" type="submit" style="white-space: normal"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepRememberContinue")}</button>
                </div>
            </div>
        </form>
        <@twoStep.usernameBox/>
    </#if>
</@layout.registrationLayout>
