<#-- The two-step policy's grace period: set up the second step now, or later until a date. -->
<#import "template.ftl" as layout>
<#import "two-step-page.ftl" as twoStep>
<@layout.registrationLayout; section>
    <#if section="header">
        ${msg("twoStepRequiredTitle")}
    <#elseif section="form">
        <p id="two-step-grace">${msg("twoStepRequiredGrace", twoStepGraceUntil)}</p>
        <form id="kc-two-step-enrolment-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <div class="${properties.kcFormGroupClass!}">
                <div class="${properties.kcFormActionGroupClass!}">
                    <button id="two-step-set-up-now" name="now" value="true" type="submit" style="white-space: normal"
                            class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepSetUpNow")}</button>
                    <button id="two-step-set-up-later" name="later" value="true" type="submit" style="white-space: normal"
                            class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}">${msg("twoStepSetUpLater")}</button>
                </div>
            </div>
        </form>
        <@twoStep.usernameBox/>
    </#if>
</@layout.registrationLayout>
